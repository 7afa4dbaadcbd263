"""What more than one door (storefront/, admin/, api/) uses: form helpers, sign-in, HTMX,
response headers, the JSON envelope and the whole app's error handlers. Imports shop/, never a door."""
