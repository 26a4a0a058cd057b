"""HTTP connectors: each API speaks its own paging and auth; all of them load through the file loader."""
