"""What a repo is and what state it is in. Pure code: no subprocess, no database."""
