# netCDF command-line tools the preprocessing tests compare against: ncdump/ncgen (netcdf-bin), CDO, NCO,
# and Debian's xarray (run as /usr/bin/python3) to check that fairpod's netCDF-4 files open there too.
# hdf5-tools: h5dump checks the FAIR HDF5 core-format files (test/registry/coreFormats.test.ts).
apt_install netcdf-bin cdo nco python3-xarray python3-netcdf4 hdf5-tools
