"""One module per backend: its ``Backend`` description and its schema editor.

``registry.backend_for(name)`` finds a backend by dialect name or URL scheme; ``formats``
holds the storage formats every backend starts from; ``base`` and ``alter_table`` hold what
the schema editors share.
"""
