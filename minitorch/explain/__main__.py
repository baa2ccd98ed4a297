"""``python -m minitorch.explain``: the ``minitorch-explain`` command."""

import sys

from minitorch.explain import main

if __name__ == "__main__":
    sys.exit(main())
