"""The shop's information pages (delivery, returns, privacy, contact), written by staff in
English and Khmer."""
