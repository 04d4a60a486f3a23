"""The frozen application's entry point: the same program as `acudesk` and `python -m acudesk`.

It lives outside the source tree's acudesk/ so that PyInstaller takes acudesk from the installed
wheel (packaging/acudesk.spec), the same files a clinic's pip install gets.
"""

import sys

from acudesk.app import main

sys.exit(main())
