//! Check figures: to be written with the dataset.
