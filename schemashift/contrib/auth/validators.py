"""The username validators of Django's user model (written into its migrations)."""

import re

from schemashift.core import validators
from schemashift.utils.deconstruct import deconstructible
from schemashift.utils.translation import gettext_lazy as _


@deconstructible
class UnicodeUsernameValidator(validators.RegexValidator):
    """Letters (any script), digits and ``@ . + - _``."""

    regex = r"^[\w.@+-]+\Z"
    message = _(
        "Enter a valid username. This value may contain only letters, "
        "numbers, and @/./+/-/_ characters."
    )
    flags = 0


@deconstructible
class ASCIIUsernameValidator(validators.RegexValidator):
    """ASCII letters, digits and ``@ . + - _``."""

    regex = r"^[\w.@+-]+\Z"
    message = _(
        "Enter a valid username. This value may contain only unaccented lowercase a-z "
        "and uppercase A-Z letters, numbers, and @/./+/-/_ characters."
    )
    flags = re.ASCII
