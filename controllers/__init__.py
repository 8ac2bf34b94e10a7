from . import portal
from . import statement
from . import dispute
from . import payment
from . import attachment
from . import promise
