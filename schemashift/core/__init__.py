"""What Django keeps under ``django.core`` and model code reaches for: validators, exceptions
and the management command error."""
