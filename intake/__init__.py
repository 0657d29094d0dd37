"""The reporter's side: the wizard, its encrypted drafts, and building the report document."""
