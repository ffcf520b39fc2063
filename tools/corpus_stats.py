"""Command line of the corpus statistics (``make corpus-stats``)."""

import sys

from sitrep_ie.data.stats import main

if __name__ == "__main__":
    sys.exit(main())
