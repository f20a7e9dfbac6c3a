"""Domain services shared by the kiosk, the hotline, the staff dashboard and the API.

Each function takes an SQLAlchemy session; callers own the transaction.
"""
