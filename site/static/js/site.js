// Small progressive enhancements shared by every page. The site works without JavaScript.
document.documentElement.classList.add("js");
