"""How calls reach the flow: Twilio webhooks, Media Streams, softphones, signatures, recordings."""
