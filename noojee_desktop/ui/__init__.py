"""PySide6 widgets and models of the desktop app; they call the Qt-free core.

``noojee_desktop.ui.qtfix.install()`` must run once a QApplication exists (build_window does).
"""
