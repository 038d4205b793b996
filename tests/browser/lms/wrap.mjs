// A frame between the LMS's window and the SCO (as LMS players nest them): the SCO must walk up past it.
document.getElementById('inner').src = new URLSearchParams(location.search).get('src');
