"""PySide6 widgets and models of the desktop app; they call the Qt-free core."""

from noojee_desktop.ui.qtfix import install as _install_qt_fixes

_install_qt_fixes()
