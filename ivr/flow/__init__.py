"""The call flow: the state machine, what it says, how it understands answers, and its database view."""
