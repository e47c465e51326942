// Sends the signed deep linking response back to the platform at once; the button does it without script.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
