"""The person's own race and the home front's window on it (issue #13).

People who are not staff — the person coming back, and their contact person — sign in
here without a password (one-time codes) and see their own race in plain language.
They act as a :class:`portal.subject.Subject`, never as a staff
:class:`core.actor.Actor`: nothing of the professional interface is reachable with a
subject's session, and nothing of this app is reachable without one.
"""
