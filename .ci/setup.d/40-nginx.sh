# nginx for the HTTP data manager's autoindex test and the download benchmark; aria2 and curl are the
# benchmark's peer tools. The tests start their own nginx on 127.0.0.1 (config in a temp dir) and stop it,
# so nothing is started here.
apt_install nginx aria2 curl
