//! TwiML and SSML, written byte for byte as Twilio's official helper library writes them.
//! No I/O: documents are built in memory and rendered to strings.

mod checked;
mod element;
mod markup;
mod response;
pub mod schema;
mod writer;

pub use checked::{Extras, TwimlError, nest, response};
pub use element::{AttrValue, Child, Element, Text, wire_name};
pub(crate) use markup::text_of;
pub use markup::{Markup, MarkupError, MarkupWriter, StartTag};
pub use response::{VoiceResponse, fits_inline, say_document};
pub use writer::{Node, XML_DECLARATION, escape_text, is_xml_char, write};
