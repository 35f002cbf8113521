//! Check figures: the bundled datasets reproduce the totals their source documents state.
//! A data edit that breaks a figure fails here.

mod communities_digital_survey;
mod digital_kyiv;
mod kyiv_1551;
mod kyiv_document_registration;
mod kyiv_egov;
mod kyiv_it_audit;
mod public_information_register;
mod zhytomyr;
