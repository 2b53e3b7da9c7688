"""``python -m schemashift``: the same command line as the ``schemashift`` script."""

from schemashift.cli.main import main

if __name__ == "__main__":
    main(prog_name="schemashift")
