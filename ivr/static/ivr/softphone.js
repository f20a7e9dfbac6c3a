// Browser softphone: speaks Twilio's Media Streams protocol to /ivr/stream.
"use strict";

(function () {
  const root = document.getElementById("softphone");
  if (!root) { return; }
  const statusLine = document.getElementById("call-status");
  const callButton = document.getElementById("call-button");
  const hangupButton = document.getElementById("hangup-button");
  const streamSid = "MZ" + Math.random().toString(16).slice(2);
  let socket = null;
  let context = null;
  let microphone = null;
  let processor = null;
  let playing = [];
  let playhead = 0;
  let sequence = 0;
  let pending = [];

  function say(text) { statusLine.textContent = text; }

  function encodeSample(sample) {
    const BIAS = 0x84;
    let value = Math.max(-32635, Math.min(32635, Math.round(sample * 32767)));
    const sign = value < 0 ? 0x80 : 0;
    value = Math.abs(value) + BIAS;
    let exponent = 7;
    for (let mask = 0x4000; (value & mask) === 0 && exponent > 0; mask >>= 1) { exponent -= 1; }
    const mantissa = (value >> (exponent + 3)) & 0x0f;
    return ~(sign | (exponent << 4) | mantissa) & 0xff;
  }

  function decodeSample(code) {
    const inverted = ~code & 0xff;
    const exponent = (inverted >> 4) & 0x07;
    const magnitude = ((((inverted & 0x0f) << 3) + 0x84) << exponent) - 0x84;
    return ((inverted & 0x80) ? -magnitude : magnitude) / 32768;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      message.sequenceNumber = String(++sequence);
      message.streamSid = streamSid;
      socket.send(JSON.stringify(message));
    }
  }

  function sendAudio(input, rate) {
    const step = rate / 8000;
    for (let position = 0; position < input.length; position += step) {
      pending.push(encodeSample(input[Math.floor(position)]));
    }
    while (pending.length >= 160) {
      const frame = pending.splice(0, 160);
      send({ event: "media", media: { track: "inbound", payload: btoa(String.fromCharCode.apply(null, frame)) } });
    }
  }

  function play(payload) {
    const bytes = atob(payload);
    const buffer = context.createBuffer(1, bytes.length, 8000);
    const data = buffer.getChannelData(0);
    for (let index = 0; index < bytes.length; index += 1) { data[index] = decodeSample(bytes.charCodeAt(index)); }
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    playhead = Math.max(playhead, context.currentTime + 0.05);
    source.start(playhead);
    playhead += buffer.duration;
    playing.push(source);
    source.onended = function () { playing = playing.filter(function (item) { return item !== source; }); };
  }

  function clearPlayback() {
    playing.forEach(function (source) { source.stop(); });
    playing = [];
    playhead = context.currentTime;
  }

  function echoMark(name) {
    const wait = Math.max(0, (playhead - context.currentTime) * 1000);
    window.setTimeout(function () { send({ event: "mark", mark: { name: name } }); }, wait);
  }

  async function start() {
    callButton.disabled = true;
    say("Verbinde …");
    context = new AudioContext();
    const media = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true } });
    microphone = context.createMediaStreamSource(media);
    processor = context.createScriptProcessor(2048, 1, 1);
    processor.onaudioprocess = function (event) { sendAudio(event.inputBuffer.getChannelData(0), context.sampleRate); };
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.dataset.streamPath);
    socket.onopen = function () {
      send({ event: "connected", protocol: "Call", version: "1.0.0" });
      send({ event: "start", start: { streamSid: streamSid, callSid: root.dataset.callSid, tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { token: root.dataset.token } } });
      microphone.connect(processor);
      processor.connect(context.destination);
      hangupButton.disabled = false;
      say("Verbunden. Sprechen Sie oder drücken Sie eine Taste.");
    };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.event === "media") { play(message.media.payload); }
      if (message.event === "mark") { echoMark(message.mark.name); }
      if (message.event === "clear") { clearPlayback(); }
    };
    socket.onclose = function () { stop(false); };
  }

  function stop(sendStop) {
    if (sendStop) { send({ event: "stop", stop: { callSid: root.dataset.callSid } }); }
    if (socket) { socket.close(); socket = null; }
    if (processor) { processor.disconnect(); }
    if (microphone) { microphone.disconnect(); microphone.mediaStream.getTracks().forEach(function (t) { t.stop(); }); }
    hangupButton.disabled = true;
    say("Aufgelegt. Für einen neuen Anruf laden Sie die Seite neu.");
  }

  callButton.addEventListener("click", function () { start().catch(function (error) { say("Fehler: " + error.message); }); });
  hangupButton.addEventListener("click", function () { stop(true); });
  document.querySelectorAll(".key").forEach(function (button) {
    button.addEventListener("click", function () {
      send({ event: "dtmf", dtmf: { track: "inbound_track", digit: button.dataset.key } });
    });
  });
}());
