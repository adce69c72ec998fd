"""The vendor bridge: a node that speaks for a vendor and connects its topics to a CRM or helpdesk."""
