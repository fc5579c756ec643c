"""PySide6 widgets and models of the desktop app; they call the Qt-free core.
"""
