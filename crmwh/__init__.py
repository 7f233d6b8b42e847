"""bank_crm: the customer-centric warehouse's shared configuration and command line."""
