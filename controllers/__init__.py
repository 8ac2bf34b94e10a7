from . import portal
from . import statement
from . import dispute
