# The POD runtime's tools and what its tests drive: ghostscript converts PODs' PS/EPS figures to PNG (as MDTF's
# output manager does), chromium (headless, through playwright-core) opens the results pages in the tests, and
# Debian's Python with the packages MDTF's example PODs import (test/interop/mdtfPods.test.ts).
apt_install ghostscript chromium python3-xarray python3-matplotlib python3-netcdf4 python3-yaml python3-pandas
