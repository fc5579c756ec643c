"""Icons, the sample lead file and other data files shipped with the app.

Installed as the package ``noojee_desktop.resources``; use :func:`noojee_desktop.resources_path`.
"""
