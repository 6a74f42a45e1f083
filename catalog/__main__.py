"""`python -m catalog` runs the command line."""

from catalog.cli.main import main

main()
