; Noojee Lead Loader: Windows setup (NSIS 3, Modern UI 2).
;
; Wraps the PyInstaller onedir bundle (dist\noojee-desktop\) into noojee-desktop-setup-<version>.exe:
; installs to Program Files, adds Start-menu and desktop shortcuts and an uninstaller listed in
; "Apps & features" / "Add or remove programs" with version and publisher.
;
;   makensis /DVERSION=0.1.0 /DVERSION_NUMERIC=0.1.0.0 /DICON=build\...\noojee-desktop.ico installer\windows\noojee-desktop.nsi
;
; VERSION is required and comes from the package metadata (see installer/buildinfo.py).
; Optional: PAYLOAD (bundle folder), OUTFILE, ICON (.ico), VERSION_NUMERIC (a.b.c.d for file properties).
;
; Uninstalling removes the program files, shortcuts and registry entry ONLY. Each user's settings,
; saved field lists and upload journal (%APPDATA%, %LOCALAPPDATA%) are left alone on purpose.

Unicode true
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "Pass the version: makensis /DVERSION=x.y.z (python installer/buildinfo.py prints it)"
!endif
!ifndef PAYLOAD
  !define PAYLOAD "..\..\dist\noojee-desktop"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\noojee-desktop-setup-${VERSION}.exe"
!endif

!define APP_NAME "Noojee Lead Loader"
!define APP_ID "noojee-desktop"
!define APP_EXE "noojee-desktop.exe"
!define PUBLISHER "Noojee Lead Loader project"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${APP_NAME} ${VERSION}"

!ifdef VERSION_NUMERIC
  VIProductVersion "${VERSION_NUMERIC}"
  VIAddVersionKey /LANG=1033 "ProductName" "${APP_NAME}"
  VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
  VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
  VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
  VIAddVersionKey /LANG=1033 "FileDescription" "${APP_NAME} setup"
  VIAddVersionKey /LANG=1033 "LegalCopyright" "${PUBLISHER}"
!endif

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME} now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!define MUI_UNCONFIRMPAGE_TEXT_TOP "${APP_NAME} will be removed from this computer. Your settings and upload history stay in your user folder and are used again if you reinstall."
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP_NAME} needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "${APP_NAME} (required)" SecApp
  SectionIn RO
  SetShellVarContext all
  ; An upgrade replaces the previous bundle completely (no stale libraries left behind).
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0

  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Desktop shortcut" SecDesktop
  SetShellVarContext all
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The program itself."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "A shortcut on every user's desktop."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  ; Only what setup put there: never RMDir /r $INSTDIR (it may be a folder the user chose).
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  ; Deliberately NOT removed: %APPDATA%\noojee-desktop, %LOCALAPPDATA%\noojee-desktop and the
  ; Windows Credential Manager entry (per-user settings, journal and saved API key).
SectionEnd
