import sys

from acudesk.app import main

sys.exit(main())
