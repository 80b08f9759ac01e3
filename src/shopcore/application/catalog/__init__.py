"""The catalog: creating, changing and archiving products (admin), and the public
list, detail, search and most-bought views."""
