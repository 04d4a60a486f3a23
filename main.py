import sys

import acudesk.app

if __name__ == "__main__":
    sys.exit(acudesk.app.run(sys.argv))
