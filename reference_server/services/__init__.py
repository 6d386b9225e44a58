"""Application services: the use cases the REST API and the WebSockets share (start a
conversation, post a message, route, close …). They call the domain for decisions and the
store for state; endpoints stay thin."""
