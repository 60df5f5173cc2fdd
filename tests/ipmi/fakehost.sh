#!/bin/sh
# The simulated host run by ipmi_sim's startcmd: power on == this runs.
# Records its PID: ipmi_sim never kills it when ipmi_sim itself exits.
echo $$ > "$1"
exec sleep 86400
