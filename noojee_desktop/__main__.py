from noojee_desktop.cli import main

raise SystemExit(main())
