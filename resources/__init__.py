"""AcuDesk's shipped files, installed as the package ``acudesk.resources``: look them up with
``acudesk.assets``, never by a path relative to the source tree."""
