"""Command line of the corpus build: sources in annotations/source/ -> Label Studio exports + gold events.

    python tools/build_corpus.py --check annotations/source/briefings.txt
    python tools/build_corpus.py            # convert every source file
"""

import sys

from sitrep_ie.data.corpus import main

if __name__ == "__main__":
    sys.exit(main())
