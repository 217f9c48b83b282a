/* global document, window, setInterval */
// The console's only script: a live countdown to the next deadline, print buttons, and confirmations.
(function () {
  'use strict';
  var clocks = document.querySelectorAll('[data-countdown-to]');
  function text(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var span = days > 0 ? days + '天' + hours + '小时' : hours + '小时' + (minutes % 60) + '分';
    return ms > 0 ? '距完成时限还有 ' + span : '已逾期 ' + span;
  }
  if (clocks.length) {
    var offsets = [];
    clocks.forEach(function (el, i) {
      offsets[i] = Date.parse(el.getAttribute('data-now')) - Date.now();
    });
    setInterval(function () {
      clocks.forEach(function (el, i) {
        var left = Date.parse(el.getAttribute('data-countdown-to')) - (Date.now() + offsets[i]);
        var suffix = el.textContent.match(/（.*）$/);
        el.textContent = text(left) + (suffix && left > 0 ? suffix[0] : '');
      });
    }, 30000);
  }
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
  // The editor's 删除 buttons ask first (without JavaScript they simply post).
  document.querySelectorAll('[data-confirm]').forEach(function (button) {
    button.addEventListener('click', function (event) {
      if (!window.confirm(button.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
})();
