"""pinpoint-sandbox: file AWS End User Messaging SMS/Voice production-access requests.

One case per account, region and channel, never two. The library entry point is
`pinpoint_sandbox.filing.plan.run`; the CLI (`pinpoint_sandbox.cli`) is a thin shell around it.
"""

__version__ = "0.1.0"
