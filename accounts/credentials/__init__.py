"""What a user proves to get a session, or to change it: register and login, password change, reset."""
