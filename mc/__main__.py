import sys

from mc.cli import main

sys.exit(main())
