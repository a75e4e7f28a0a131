// Errors of the chat layer: a chat template that cannot be rendered for a conversation (bad
// roles or order, a template's own raise_exception), and chat history that does not fit.

/** The chat template could not render this conversation (the server answers 400). */
export class ChatTemplateError extends Error {
  override name = "ChatTemplateError";
}
