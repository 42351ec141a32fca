"""Test support shared by the apps' test suites: factories, relay assertions, signing in.

``auth.login_verified(client, user)`` signs a test client in past the second
factor, as every guarded page requires.

Only tests import this package; production code never does.
"""
