"""The intake team's side: sign-in, the list of their service's envelopes, download, acknowledge."""
