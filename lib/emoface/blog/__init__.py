"""The blog of the paper's web application (§4.3): storage, and the page that shows each post's face."""
