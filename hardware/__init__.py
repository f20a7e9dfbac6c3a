"""Device drivers behind small interfaces: ESC/POS receipt printers and the print queue."""
