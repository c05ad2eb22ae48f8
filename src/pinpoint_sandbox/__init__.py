"""pinpoint-sandbox: file AWS End User Messaging SMS/Voice production-access requests, once per region."""

__version__ = "0.1.0"
