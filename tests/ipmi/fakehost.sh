#!/bin/sh
# The simulated host run by ipmi_sim's startcmd: power on == this runs.
# Records its PID (ipmi_sim never kills it when ipmi_sim itself exits) and
# dies with ipmi_sim all the same, should that be killed outright.
echo $$ > "$1"
exec setpriv --pdeathsig TERM sleep 86400
