from noojee_desktop.commands import main

raise SystemExit(main())
